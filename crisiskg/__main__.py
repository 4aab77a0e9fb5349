from crisiskg.cli import run

run()
