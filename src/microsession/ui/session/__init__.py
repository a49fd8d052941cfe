"""What the user sees of a session: the controller, the ring, the popup, the cards, the chime and notifications."""
