//! The DynamoDB store (single table).
