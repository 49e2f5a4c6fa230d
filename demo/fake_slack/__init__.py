"""A fake Slack Web API as a real HTTP server, for the tests and `make demo`.

    python -m demo.fake_slack --port 8090 --signing-secret S --events-url http://127.0.0.1:8080/slack/events

slack-sdk talks to it with `base_url="http://127.0.0.1:8090/api/"`; the admin API is in `admin.py`.
"""
