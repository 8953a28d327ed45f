"""Published path ``gradiend.data.text``: text data creators live in the gradiend-text plugin."""
