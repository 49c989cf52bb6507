"""The AWS target: Amazon Lex V2 bots in several regions behind a DynamoDB region map."""
