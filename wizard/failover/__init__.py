"""The failover drill (stack-agnostic: Heartbeat today, another cluster stack later): a watcher on the node
that takes over measures each phase of the takeover, a writer on the serving node proves that every
acknowledged write survives, and the result is appended to a report the admin keeps."""
