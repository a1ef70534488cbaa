from providers.migrations.env import run

run()
