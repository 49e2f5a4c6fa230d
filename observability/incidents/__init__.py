"""Incidents: the pure domain (payload model, alert facts, lifecycle) and the service functions.

`payload`, `alert_facts` and `lifecycle` do no I/O and never read the clock (`now` is passed in);
`service` runs the lifecycle against the store for the REST API and Slack.
"""
