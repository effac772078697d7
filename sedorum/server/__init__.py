"""Process entry points: the Rasa server with the project's pages and channels, the action server,
the front router, the supervisor behind `make run` (`stack`) and the replica launcher."""
