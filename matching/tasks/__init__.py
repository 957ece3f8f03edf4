"""What each person should do next: the task list on their start page, and the reminders
the mail worker sends before deadlines (above the domain packages: it reads them all)."""
