//! Creating the store's table, for tests and for operators who do not deploy the SAM template.

use super::keys::{GSI1, GSI1PK, GSI1SK, PK, SK};
use super::{build_error, sdk_error};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, IndexStatus, KeySchemaElement, KeyType,
    Projection, ProjectionType, ScalarAttributeType, TableStatus,
};
use rollcall_core::ports::StoreError;
use std::time::Duration;

/// Creates `table` as [`DynamoStore`](super::DynamoStore) needs it (`PK`/`SK` strings,
/// on-demand billing, the sparse keys-only index `GSI1` on `GSI1PK`/`GSI1SK`) and waits until
/// it and its index are active. Fails if the table exists.
pub async fn create_table(client: &Client, table: &str) -> Result<(), StoreError> {
    let string = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(build_error)
    };
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .map_err(build_error)
    };
    let due = GlobalSecondaryIndex::builder()
        .index_name(GSI1)
        .key_schema(key(GSI1PK, KeyType::Hash)?)
        .key_schema(key(GSI1SK, KeyType::Range)?)
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::KeysOnly)
                .build(),
        )
        .build()
        .map_err(build_error)?;
    client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string(PK)?)
        .attribute_definitions(string(SK)?)
        .attribute_definitions(string(GSI1PK)?)
        .attribute_definitions(string(GSI1SK)?)
        .key_schema(key(PK, KeyType::Hash)?)
        .key_schema(key(SK, KeyType::Range)?)
        .global_secondary_indexes(due)
        .send()
        .await
        .map_err(|e| sdk_error("CreateTable", e))?;

    // Tables take seconds to minutes to become active on AWS; the emulator is at once.
    for _ in 0..300 {
        let described = client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| sdk_error("DescribeTable", e))?;
        if let Some(description) = described.table {
            let indexes_active = description
                .global_secondary_indexes()
                .iter()
                .all(|index| index.index_status() == Some(&IndexStatus::Active));
            if description.table_status() == Some(&TableStatus::Active) && indexes_active {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Err(StoreError::Unavailable(format!(
        "DynamoDB table {table} did not become active within 5 minutes"
    )))
}
