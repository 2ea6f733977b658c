"""The Slack front end: Bolt listeners over `bot.answer`, pure Block Kit renderers,
an HTTP transport served by gunicorn and a Socket Mode transport."""
