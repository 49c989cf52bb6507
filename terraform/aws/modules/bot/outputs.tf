output "bot_id" {
  description = "The bot's id (10 characters), part of its alias ARN."
  value       = aws_lexv2models_bot.this.id
}

output "locale_id" {
  description = "The locale geobot's publish stage builds (read from the locale, so it exists)."
  value       = aws_lexv2models_bot_locale.this.locale_id
}

output "intents" {
  description = "Per intent, its id and its slots' ids (slot name => id): what the publish stage needs to set each intent's samples and slot priorities."
  value = {
    for name, intent in aws_lexv2models_intent.this : name => {
      intent_id = intent.intent_id
      slots     = { for slot, spec in var.lex.slots : slot => aws_lexv2models_slot.this[slot].slot_id if spec.intent == name }
    }
  }
}
