# One region's Lex V2 bot: the bot, its locale and intents, all in the DRAFT version.
# Terraform stops there. Building the locale, creating a version and pointing the alias at it
# are geobot's publish stage (boto3 with waiters): the aws provider has no Lex V2 alias
# resource, and a version can only be made from a built locale, which no resource builds.

resource "aws_lexv2models_bot" "this" {
  region                      = var.region
  name                        = var.name
  role_arn                    = var.role_arn
  idle_session_ttl_in_seconds = var.lex.idle_session_ttl
  type                        = "Bot"

  data_privacy {
    # A table-booking sample, not a service for children (COPPA).
    child_directed = false
  }
}

resource "aws_lexv2models_bot_locale" "this" {
  region                           = var.region
  bot_id                           = aws_lexv2models_bot.this.id
  bot_version                      = "DRAFT"
  locale_id                        = var.lex.locale_id
  n_lu_intent_confidence_threshold = var.lex.confidence_threshold

  # Amazon Connect speaks the bot's prompts with this Polly voice.
  voice_settings {
    voice_id = var.lex.voice_id
    engine   = var.lex.voice_engine
  }
}

# No slots yet: geobot's converter (geobot/nlu/lexv2.py) derives them from entity labels, but
# they are not declared here, and `geobot plan` warns that labels stay sample text. The health
# check only needs the recognized intent and its confidence.
resource "aws_lexv2models_intent" "this" {
  for_each = var.lex.intents

  region      = var.region
  bot_id      = aws_lexv2models_bot.this.id
  bot_version = "DRAFT"
  locale_id   = aws_lexv2models_bot_locale.this.locale_id
  name        = each.key

  dynamic "sample_utterance" {
    for_each = each.value
    content {
      utterance = sample_utterance.value
    }
  }
}
