"""Step 4's emergency procedure (noodprocedure, R-STEP4-*): VDAB and the local governments
re-score the partners."""

