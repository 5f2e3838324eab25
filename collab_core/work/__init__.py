"""The team's work: tasks, meetings, dashboards, and the backup sections of tasks and meetings."""
