"""The approval workflow's deadlines and escalation (promo/deadlines.py, docs/development/workflow.md).

A revision sent for approval is due PROMO_DECISION_WORKING_DAYS working days later (weekends and
PROMO_HOLIDAYS do not count), and never later than PROMO_DECISION_BUFFER_DAYS days before the
promo starts. Each morning the deciding managers are reminded of what is due on the next
working day and what is overdue is escalated to the marketers and, if the group is named, to
the members of PROMO_HEAD_OF_CATEGORY_GROUP; each once per revision.
"""

from config.env import env, env_int

PROMO_DECISION_WORKING_DAYS = env_int("PROMO_DECISION_WORKING_DAYS", 3)
PROMO_DECISION_BUFFER_DAYS = env_int("PROMO_DECISION_BUFFER_DAYS", 7)
# Comma-separated ISO dates that are not working days (public holidays): "2027-01-01,2027-01-07".
PROMO_HOLIDAYS = env("PROMO_HOLIDAYS", "")
# A Django group whose members hear of overdue decisions too (e.g. "head_of_category"); empty: none.
PROMO_HEAD_OF_CATEGORY_GROUP = env("PROMO_HEAD_OF_CATEGORY_GROUP", "")
# Local time of the daily reminders and escalations (HH:MM).
PROMO_DEADLINES_AT = env("PROMO_DEADLINES_AT", "08:00")
PROMO_DEADLINES_HOUR, PROMO_DEADLINES_MINUTE = (int(part) for part in PROMO_DEADLINES_AT.split(":", 1))
