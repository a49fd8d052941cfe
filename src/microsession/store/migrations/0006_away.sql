-- Time away from the computer in the middle of a focus session (screen locked, machine
-- asleep), and what the user said it was: 'break' (left out of the focus time), 'focus'
-- (kept), 'drop' (the session does not count). NULL: not away, or not answered.
ALTER TABLE sessions ADD COLUMN away_s REAL;
ALTER TABLE sessions ADD COLUMN away_answer TEXT CHECK (away_answer IN ('break', 'focus', 'drop'));
