# One region's Lex V2 bot: the bot, its locale, slot types, intents and slots, all in the DRAFT
# version. Terraform stops there. Building the locale, creating a version and pointing the alias
# at it are geobot's publish stage (boto3 with waiters): the aws provider has no Lex V2 alias
# resource, and a version can only be made from a built locale, which no resource builds.
#
# Slot types → intents → slots is the order the provider can create. An intent's slot priorities
# name its slots' ids and a slot needs its intent's id, a cycle in Terraform (hashicorp/
# terraform-provider-aws issues 36863 and 39948), and a sample utterance's {Slot} reference
# names a slot that exists only after its intent. So Terraform creates each intent with its
# samples as written, and the publish stage, before it builds, gives each intent its samples
# with {Slot} references and its slot priorities (geobot/targets/aws/intents.py). From then on
# those two belong to the publish stage, so Terraform ignores them (docs/aws.md).

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

# A closed list (TopResolution: Lex answers the canonical value) or a learned entity's labelled
# phrases (OriginalValue: Lex answers what the caller said).
resource "aws_lexv2models_slot_type" "this" {
  for_each = var.lex.slot_types

  region      = var.region
  bot_id      = aws_lexv2models_bot.this.id
  bot_version = "DRAFT"
  locale_id   = aws_lexv2models_bot_locale.this.locale_id
  name        = each.key

  dynamic "slot_type_values" {
    for_each = each.value.values
    content {
      sample_value {
        value = slot_type_values.value.value
      }

      dynamic "synonyms" {
        for_each = slot_type_values.value.synonyms
        content {
          value = synonyms.value
        }
      }
    }
  }

  value_selection_setting {
    resolution_strategy = each.value.resolution
  }
}

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

  lifecycle {
    # The publish stage sets both once the slots exist (see the top of this file).
    ignore_changes = [sample_utterance, slot_priority]
  }
}

# Optional slots, filled from what the caller says; no prompt, so Lex adds no default prompt
# attempts that the provider would then report as a change on every plan.
resource "aws_lexv2models_slot" "this" {
  for_each = var.lex.slots

  region       = var.region
  bot_id       = aws_lexv2models_bot.this.id
  bot_version  = "DRAFT"
  locale_id    = aws_lexv2models_bot_locale.this.locale_id
  intent_id    = aws_lexv2models_intent.this[each.value.intent].intent_id
  name         = each.key
  slot_type_id = startswith(each.value.slot_type, "AMAZON.") ? each.value.slot_type : aws_lexv2models_slot_type.this[each.value.slot_type].slot_type_id

  value_elicitation_setting {
    slot_constraint = "Optional"
  }
}
