"""Messaging channels of the assistant besides Rasa's built-in ones.

``bot.channels.wechat.WeChatInput`` is the WeChat Official Account (公众号) channel; enable it
in ``credentials.yml`` under the key ``bot.channels.wechat.WeChatInput`` (see ``docs/wechat.md``).
Nothing is imported here, so importing ``bot.channels`` stays cheap and side-effect free.
"""
