"""`bench disk`: the admin's disk comparison (hdparm -tT, a random-seek timing, two fio random-read jobs) run in a
guest over SSH, parsed, tabled, and charted."""
