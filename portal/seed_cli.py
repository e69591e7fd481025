from flask.cli import AppGroup

seed_cli = AppGroup("seed")
