"""What the Rasa server loads: its channels (SMS, the widget, REST), the conversation and lock
stores, the retention job, and the patches to Rasa installed at start-up (`python -m
bot.rasa_server` is Rasa's command line with them)."""
