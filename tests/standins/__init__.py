"""Local stand-ins for the APIs the WhatsApp channels call (Meta's Graph API, Twilio's Messages
API), built from their public documentation: small aiohttp apps on 127.0.0.1 that check what
they receive against the documented limits, record it, and can be told to fail."""
