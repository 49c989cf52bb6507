variable "region" {
  description = "AWS region of this bot."
  type        = string
}

variable "name" {
  description = "The bot's name (naming.py regional_names: lex_bot)."
  type        = string
}

variable "role_arn" {
  description = "ARN of the IAM role Lex runs the bot with (one role, IAM is global)."
  type        = string
}

variable "lex" {
  description = "The root module's var.lex: intents with their sample utterances, slot types, slots, locale, NLU threshold, session TTL and voice."
  type = object({
    intents = map(list(string))
    slot_types = map(object({
      resolution = string
      values     = list(object({ value = string, synonyms = list(string) }))
    }))
    slots                = map(object({ intent = string, slot_type = string, priority = number }))
    locale_id            = string
    confidence_threshold = number
    idle_session_ttl     = number
    voice_id             = string
    voice_engine         = string
  })
}
