"""Closing the loop (issue 13): from "here is where to go" to "I went, and it helped".

- `booking`: dated occurrences of a session, bookings with a door reference, never over-booked.
- `plan`: which messages are sent when (the day before, a couple of hours before, the follow-up).
- `listed`: which listed session "the Tuesday one" or "2" means.
- `conversation`: what the Rasa actions call (offer, consent, book, cancel, follow-up, retake).
- `calendar`: the web chat's .ics file and printable page (it cannot message anyone later).
- `staff`: the attendance register, and telling residents when a session is cancelled.
- `funnel`: the programme's funnel for /reports.
"""
