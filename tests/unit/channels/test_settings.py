"""Channel settings from credentials.yml, loaded the way `rasa run` loads custom channels."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from rasa.core.run import _create_single_channel
from rasa.shared.exceptions import RasaException

from channels.settings import ChannelConfigurationError
from channels.twilio_whatsapp_channel import TwilioWhatsAppInput, TwilioWhatsAppSettings
from channels.whatsapp_cloud_channel import WhatsAppCloudInput, WhatsAppCloudSettings

CLOUD: Dict[str, Any] = {"access_token": "EAAG-secret-token", "phone_number_id": "1234567890",
                         "app_secret": "app-secret-value", "verify_token": "verify-me"}
TWILIO: Dict[str, Any] = {"account_sid": "AC" + "1" * 32, "auth_token": "twilio-secret",
                          "whatsapp_number": "+14155238886"}


def test_rasa_loads_the_cloud_channel_by_module_path() -> None:
    channel = _create_single_channel("channels.whatsapp_cloud_channel.WhatsAppCloudInput",
                                     dict(CLOUD))
    assert isinstance(channel, WhatsAppCloudInput)
    assert channel.name() == "whatsapp" and channel.url_prefix() == "whatsapp"
    assert channel.settings.api_version == "v24.0"
    assert channel.settings.graph_api_base_url == "https://graph.facebook.com"
    assert channel.client.config.messages_url == (
        "https://graph.facebook.com/v24.0/1234567890/messages")


def test_rasa_loads_the_twilio_channel_by_module_path() -> None:
    channel = _create_single_channel("channels.twilio_whatsapp_channel.TwilioWhatsAppInput",
                                     dict(TWILIO))
    assert isinstance(channel, TwilioWhatsAppInput)
    assert channel.name() == "twilio_whatsapp"
    assert channel.settings.whatsapp_number == "whatsapp:+14155238886"
    assert channel.client.config.messages_url == (
        f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO['account_sid']}/Messages.json")


@pytest.mark.parametrize("missing", ["access_token", "phone_number_id", "app_secret",
                                     "verify_token"])
def test_cloud_channel_refuses_to_start_without(missing: str) -> None:
    for value in (None, "", "   "):
        credentials = {**CLOUD, missing: value}
        with pytest.raises(ChannelConfigurationError, match=missing):
            WhatsAppCloudInput.from_credentials(credentials)


@pytest.mark.parametrize("missing", ["account_sid", "auth_token", "whatsapp_number"])
def test_twilio_channel_refuses_to_start_without(missing: str) -> None:
    with pytest.raises(ChannelConfigurationError, match=missing):
        TwilioWhatsAppInput.from_credentials({**TWILIO, missing: ""})


def test_no_credentials_at_all_is_refused() -> None:
    with pytest.raises(RasaException):
        WhatsAppCloudInput.from_credentials(None)
    with pytest.raises(RasaException):
        TwilioWhatsAppInput.from_credentials({})


def test_optional_cloud_settings() -> None:
    settings = WhatsAppCloudSettings.from_credentials({
        **CLOUD, "api_version": "v23.0", "graph_api_base_url": "http://127.0.0.1:9/",
        "max_body_bytes": "1000", "max_message_age_s": 60})
    assert (settings.api_version, settings.graph_api_base_url, settings.max_body_bytes,
            settings.max_message_age_s) == ("v23.0", "http://127.0.0.1:9/", 1000, 60)
    with pytest.raises(ChannelConfigurationError, match="max_body_bytes"):
        WhatsAppCloudSettings.from_credentials({**CLOUD, "max_body_bytes": "lots"})


@pytest.mark.parametrize(("extra", "expected"), [
    ({"whatsapp_number": "whatsapp:+14155238886"}, "whatsapp:+14155238886"),
    ({"whatsapp_number": "+14155238886"}, "whatsapp:+14155238886"),
])
def test_twilio_number_forms(extra: Dict[str, str], expected: str) -> None:
    assert TwilioWhatsAppSettings.from_credentials({**TWILIO, **extra}).whatsapp_number == expected


@pytest.mark.parametrize(("extra", "key"), [
    ({"whatsapp_number": "14155238886"}, "whatsapp_number"),
    ({"public_url": "clinic.example/webhooks"}, "public_url"),
    ({"trust_proxy": "maybe"}, "trust_proxy"),
])
def test_twilio_bad_values_are_refused(extra: Dict[str, str], key: str) -> None:
    with pytest.raises(ChannelConfigurationError, match=key):
        TwilioWhatsAppSettings.from_credentials({**TWILIO, **extra})


@pytest.mark.parametrize(("value", "expected"), [
    (None, False), ("", False), ("true", True), ("True", True), ("1", True), (True, True),
    ("false", False), ("no", False)])
def test_twilio_trust_proxy(value: Any, expected: bool) -> None:
    credentials = {**TWILIO, "trust_proxy": value}
    assert TwilioWhatsAppSettings.from_credentials(credentials).trust_proxy is expected


def test_settings_never_show_secrets() -> None:
    cloud = repr(WhatsAppCloudSettings.from_credentials(CLOUD))
    twilio = repr(TwilioWhatsAppSettings.from_credentials(TWILIO))
    for secret in ("EAAG-secret-token", "app-secret-value", "verify-me", "twilio-secret"):
        assert secret not in cloud and secret not in twilio
