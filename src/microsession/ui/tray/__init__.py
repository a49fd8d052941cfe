"""What lives in the tray: the icon, its picture, its menu and the fallback when there is no tray."""
