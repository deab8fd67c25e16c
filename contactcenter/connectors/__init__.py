"""Inbound and outbound channels: web chat, API, WhatsApp, voice.

A connector translates between a provider and the services: what the provider reports becomes
a service call (a customer wrote, a callee answered); what the services decide becomes a
command to the provider, sent after the transaction commits.
"""
