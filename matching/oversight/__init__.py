"""Europa WSE's oversight (R-OBS-1): the six conditions, observations, ratification, the final
report and the exports."""

