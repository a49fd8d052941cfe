"""What the settings dialog shows: each setting's label and unit, the tabs and their groups,
and which field depends on which switch. Pure data, kept apart from the dialog's code."""

from __future__ import annotations

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
STYLES = (("full", "Full: a notification with buttons"), ("quiet", "Quiet: no sound, no buttons"),
          ("none", "None: only the ring and the tray"))
HOOK_HINT = "e.g. makoctl mode -a do-not-disturb"
GROUP_NOTES = {
    "Several computers": "A folder that Syncthing, Nextcloud or Dropbox shares between your computers:"
    " each writes its own changes there and reads the others' (never the data file itself; settings stay here).",
    "Commands run at session moments": "Each runs as a program and its arguments, never through a shell."
    " The session's facts are in MICROSESSION_* variables; what it prints goes to hooks.log in the data folder.",
    "Progress ring": "On Wayland the desktop places the ring and decides what stays on top; its place is not remembered there.",
}

# key -> (label, suffix); a bool's label is its check box's text
LABELS: dict[str, tuple[str, str]] = {
    "default_minutes": ("Default sprint", " min"), "break_minutes": ("Break", " min"),
    "long_break_minutes": ("Long break after a cluster", " min"), "cluster_size": ("Sessions in a cluster", ""),
    "deep_break_minutes": ("Break after deep work", " min"),
    "heads_up": ("A quiet heads-up a minute before the end", ""),
    "preparation": ("Show a one-minute checklist before long sessions", ""),
    "preparation_min_minutes": ("For sessions from", " min"),
    "preparation_checklist": ("Checklist (one item a line)", ""),
    "chime": ("A soft chime when a session or break ends", ""), "chime_volume": ("Volume", ""),
    "quiet_hours": ("No chime during quiet hours", ""), "quiet_from": ("From", ":00"), "quiet_until": ("Until", ":00"),
    "notification_style": ("Style", ""),
    "ring_on_top": ("Keep the progress ring above other windows", ""),
    "daily_goal": ("Daily goal", " sessions"), "review_reminder": ("Remind me of the weekly review", ""),
    "review_weekday": ("On", ""), "review_hour": ("At", ":00"),
    "peak_hours": ("Peak hours", ""), "valley_hours": ("Valley hours", ""),
    "start_at_login": ("Start Micro-Session when I log in", ""),
    "hook_session_start": ("When a session starts", ""), "hook_session_end": ("When a session ends", ""),
    "hook_break_end": ("When a break ends", ""), "hook_timeout_s": ("Stop a command after", " s"),
    "backup_keep": ("Backups kept", ""),
    "sync_folder": ("Sync folder (empty: off)", ""), "device_name": ("This computer's name", ""),
    "calendar_refresh_minutes": ("Fetch calendar addresses every", " min"),
    "sessions_ics_file": ("Keep my sessions as a calendar in", ""),
    "dnd_while_focusing": ("Do not disturb while focusing (other apps' notifications wait)", ""),
    "away_ask_minutes": ("Ask when I was away from a session for more than", " min"),
    "tray_symbolic": ("A monochrome (symbolic) tray icon", ""),
}
# tab -> [(group, [keys])]
TABS: list[tuple[str, list[tuple[str, list[str]]]]] = [
    ("&Sessions", [("Sprints and breaks", ["default_minutes", "break_minutes", "long_break_minutes",
                                           "cluster_size", "deep_break_minutes", "heads_up"]),
                   ("Preparation card", ["preparation", "preparation_min_minutes", "preparation_checklist"])]),
    ("Sound && &alerts", [("Chime", ["chime", "chime_volume"]),
                                 ("Quiet hours", ["quiet_hours", "quiet_from", "quiet_until"]),
                                 ("Notifications", ["notification_style", "dnd_while_focusing", "away_ask_minutes"])]),
    ("&Habit && energy", [("Habit", ["daily_goal", "review_reminder", "review_weekday", "review_hour"]),
                          ("Energy (hours like 9-12, 15-17)", ["peak_hours", "valley_hours"])]),
    ("&Integration", [("Start at login", ["start_at_login"]),
                      ("Commands run at session moments", ["hook_session_start", "hook_session_end",
                                                           "hook_break_end", "hook_timeout_s"]),
                      ("Calendars (trigger rules)", ["calendar_refresh_minutes"])]),
    ("&Window && data", [("Progress ring", ["ring_on_top"]), ("Your data", ["backup_keep", "sessions_ics_file"]),
                         ("Several computers", ["sync_folder", "device_name"]),
                         ("Tray icon", ["tray_symbolic"])]),
]
# a field enabled only while its switch is on
DEPENDS = {"preparation_min_minutes": "preparation", "preparation_checklist": "preparation",
           "chime_volume": "chime", "quiet_hours": "chime", "quiet_from": "quiet_hours",
           "quiet_until": "quiet_hours", "review_weekday": "review_reminder", "review_hour": "review_reminder"}
