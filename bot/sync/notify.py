"""One Slack message per new alarm, to `settings.sync_slack_channel` (when configured).

Posted with the bot's WebClient (`bot.slack.client`: retries on 429/5xx). A failed post is
reported, never fatal: the alarm is recorded either way and `regbot rules review` lists it.
"""
from __future__ import annotations

from bot.settings import Settings
from bot.sync.staleness import Alarm


def alarm_text(alarm: Alarm) -> str:
    """The message: what is under review, which document, how to clear it."""
    what = ("the EAR tables snapshot of " + alarm.value_from.isoformat()
            if alarm.rule_id == "ear.tables"
            else f"`{alarm.rule_id}` (value in force since {alarm.value_from.isoformat()}, "
                 f"cited as {alarm.citation})")
    link = f" <{alarm.url}|federalregister.gov>" if alarm.url else ""
    return (f":warning: Under review: {what}. FR Doc. {alarm.document} ({alarm.title}), "
            f"published {alarm.published.isoformat()}, amends {alarm.amends}, on which it rests."
            f"{link}\nAnswers resting on it now say so and never give \"no licence required\" on it. "
            f"When checked: `regbot rules review --ack {alarm.id} --note \"...\"`")


def notify(alarms: tuple[Alarm, ...], settings: Settings) -> tuple[int, list[str]]:
    """(messages posted, problems) for `alarms`; nothing when no channel is configured."""
    channel = settings.sync_slack_channel
    if not channel or not alarms:
        return 0, []
    from slack_sdk.errors import SlackApiError

    from bot.slack.client import make_web_client

    client = make_web_client(settings)
    posted, problems = 0, []
    for alarm in alarms:
        try:
            client.chat_postMessage(channel=channel, text=alarm_text(alarm),
                                    metadata={"event_type": "regbot_alarm",
                                              "event_payload": {"alarm": alarm.id,
                                                                "document": alarm.document}})
            posted += 1
        except (SlackApiError, OSError) as exc:
            problems.append(f"Slack message for alarm {alarm.id} not sent: {str(exc)[:160]}")
    return posted, problems
