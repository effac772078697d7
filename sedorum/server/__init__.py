"""Process entry points: the Rasa server with the project's blueprints, the action server,
and the supervisor that installs, trains and starts both (`make run`)."""
