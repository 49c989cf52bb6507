output "bot_id" {
  description = "The bot's id (10 characters), part of its alias ARN."
  value       = aws_lexv2models_bot.this.id
}

output "locale_id" {
  description = "The locale geobot's publish stage builds (read from the locale, so it exists)."
  value       = aws_lexv2models_bot_locale.this.locale_id
}
