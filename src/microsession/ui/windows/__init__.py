"""The windows opened from the menu: tasks, projects, stacks, review, triggers, settings."""
