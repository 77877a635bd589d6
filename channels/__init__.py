"""WhatsApp connectors for the Rasa server.

* `channels.whatsapp_cloud_channel.WhatsAppCloudInput`: the WhatsApp Cloud API (Meta Graph API),
  channel name `whatsapp`, webhook `/webhooks/whatsapp/webhook`.
* `channels.twilio_whatsapp_channel.TwilioWhatsAppInput`: WhatsApp through Twilio, channel name
  `twilio_whatsapp`, webhook `/webhooks/twilio_whatsapp/webhook`.

Each channel module's docstring lists its `credentials.yml` keys. The other modules are the
shared pieces, one idea each: signature checks (`signatures`), the size-limited body
(`request_body`), background turns (`background`), retries (`retrying_sender`), the API clients
(`graph_api`, `twilio_api`, `http_client`), rendering (`cloud_messages`, `numbered_options`,
`titles`, `splitting`, `images`, `custom_payloads`), the store (`channel_store`,
`housekeeping`), failure records (`delivery`), settings (`settings`), masked logs
(`structured_log`) and fixed texts (`texts`). Nothing here does I/O at import time.
"""
