"""The figures the weekly review and `stats` show: sessions per day and week, energy by length
and hour, the sweet spot, peak hours, the daily goal and streaks, and the block summaries
that answer ten years at once. Pure Python, like the rest of core."""
