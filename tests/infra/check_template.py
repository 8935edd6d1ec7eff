"""Rollcall's own rules for infra/template.yaml, beyond what cfn-lint knows.

    python check_template.py TEMPLATE [KEYS_RS]

Reads the template as written (SAM, before the transform) and checks what the functions and the
operator rely on: every function's build and runtime settings and its environment, every SQS
trigger's partial batch responses, visibility timeout (>= 6 x function timeout + batching
window), dead-letter queue (14 days, longer than its source) and DLQ alarm, every SNS-to-SQS
subscription's queue policy, the table's keys against the store's key module (KEYS_RS, when
given and present), and the outputs. Prints one line per check and a closing
"N passed, N failed"; exits 1 if any failed.
"""

import re
import sys
from pathlib import Path

from samcli.yamlhelper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]

ENV_VARS = {
    "ROLLCALL_DOMAIN",
    "ROLLCALL_BASE_URL",
    "ROLLCALL_SENDER",
    "ROLLCALL_TABLE",
    "ROLLCALL_JOBS_QUEUE_URL",
    "ROLLCALL_RAW_MAIL_BUCKET",
    "ROLLCALL_EVENTS_TOPIC_ARN",
    "ROLLCALL_CONFIGURATION_SET",
    "ROLLCALL_SECRET_PARAMETER",
    "RUST_LOG",
}
FUNCTIONS = {"api", "inbound", "worker", "events"}
OUTPUTS = {
    "ApiUrl",
    "InboundAddress",
    "TableName",
    "InboundQueueUrl",
    "JobsQueueUrl",
    "SesEventsQueueUrl",
    "InboundDeadLetterQueueName",
    "JobsDeadLetterQueueName",
    "SesEventsDeadLetterQueueName",
}
DLQ_RETENTION = 1209600  # 14 days, the most SQS allows


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
            print(f"ok   {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}")


def ref(value):
    """The logical id an intrinsic names ({"Ref": X} or {"Fn::GetAtt": [X, ...]})."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return target[0] if isinstance(target, list) else target.split(".")[0]
    return None


def main(argv):
    template_path = Path(argv[1])
    keys_rs = Path(argv[2]) if len(argv) > 2 else None
    template = yaml_parse(template_path.read_text(encoding="utf-8"))
    resources = template["Resources"]
    glob = template.get("Globals", {}).get("Function", {})
    c = Checks()

    def of_type(kind):
        return {name: r for name, r in resources.items() if r["Type"] == kind}

    # Functions: runtime, build, environment.
    functions = of_type("AWS::Serverless::Function")
    binaries = {}
    for name, fn in functions.items():
        props = fn.get("Properties", {})
        setting = lambda key: props.get(key, glob.get(key))  # noqa: E731
        meta = fn.get("Metadata", {})
        binary = meta.get("BuildProperties", {}).get("Binary")
        binaries[binary] = name
        c.check(
            setting("Runtime") == "provided.al2023" and setting("Architectures") == ["arm64"]
            and setting("Handler") == "bootstrap",
            f"{name}: provided.al2023, arm64, handler bootstrap",
        )
        c.check(
            meta.get("BuildMethod") == "rust-cargolambda"
            and props.get("CodeUri") == "../functions"
            and binary in FUNCTIONS
            and (ROOT / "functions" / "src" / "bin" / f"{binary}.rs").is_file(),
            f"{name}: built by cargo-lambda from functions/ (binary {binary}, functions/src/bin/{binary}.rs)",
        )
        env = dict(glob.get("Environment", {}).get("Variables", {}))
        env.update(props.get("Environment", {}).get("Variables", {}))
        missing = sorted(ENV_VARS - set(env))
        c.check(not missing, f"{name}: environment has every ROLLCALL_* variable" + (f" (missing {missing})" if missing else ""))
        c.check("Events" not in props or not any(
            e.get("Type") == "SQS" for e in props["Events"].values()
        ), f"{name}: no SAM SQS event (it would attach AWSLambdaSQSQueueExecutionRole, every queue)")
    c.check(set(binaries) == FUNCTIONS, f"functions are {sorted(FUNCTIONS)} (found {sorted(b for b in binaries if b)})")

    # SQS triggers.
    queues = of_type("AWS::SQS::Queue")
    dlqs = {}
    mappings = of_type("AWS::Lambda::EventSourceMapping")
    for name, mapping in mappings.items():
        props = mapping["Properties"]
        fn_name = ref(props["FunctionName"])
        queue_name = ref(props["EventSourceArn"])
        fn_props = functions[fn_name]["Properties"]
        queue = queues[queue_name]["Properties"]
        timeout = fn_props.get("Timeout", glob.get("Timeout", 3))
        window = props.get("MaximumBatchingWindowInSeconds", 0)
        c.check(
            props.get("FunctionResponseTypes") == ["ReportBatchItemFailures"],
            f"{name}: partial batch responses (ReportBatchItemFailures)",
        )
        visibility = queue.get("VisibilityTimeout", 30)
        c.check(
            visibility >= 6 * timeout + window,
            f"{name}: {queue_name} visibility {visibility}s >= 6 x {fn_name} timeout {timeout}s + window {window}s",
        )
        pollers = [
            p["SQSPollerPolicy"] for p in fn_props.get("Policies", [])
            if isinstance(p, dict) and "SQSPollerPolicy" in p
        ]
        c.check(
            [ref(p["QueueName"]) for p in pollers] == [queue_name],
            f"{name}: {fn_name} may poll {queue_name} and no other queue",
        )
        redrive = queue.get("RedrivePolicy", {})
        dlq_name = ref(redrive.get("deadLetterTargetArn"))
        c.check(dlq_name in queues and redrive.get("maxReceiveCount", 0) >= 5,
                f"{name}: {queue_name} has a DLQ ({dlq_name}) after >= 5 receives")
        if dlq_name in queues:
            dlqs[dlq_name] = queue_name
            source_retention = queue.get("MessageRetentionPeriod", 345600)
            dlq_retention = queues[dlq_name]["Properties"].get("MessageRetentionPeriod", 345600)
            c.check(
                dlq_retention == DLQ_RETENTION and dlq_retention > source_retention,
                f"{name}: {dlq_name} keeps messages {dlq_retention}s > {queue_name}'s {source_retention}s",
            )
    c.check(
        sorted(ref(m["Properties"]["FunctionName"]) for m in mappings.values())
        == sorted(n for n in functions if n != "ApiFunction"),
        "every function but api is triggered by one SQS queue",
    )
    for queue_name, queue in queues.items():
        if queue_name not in dlqs:
            c.check("RedrivePolicy" in queue["Properties"], f"{queue_name}: has a DLQ")

    # One alarm per DLQ, on any visible message.
    alarms = of_type("AWS::CloudWatch::Alarm").values()
    for dlq_name in dlqs:
        found = [
            a for a in alarms
            if a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
            and any(ref(d.get("Value")) == dlq_name for d in a["Properties"].get("Dimensions", []))
        ]
        ok = len(found) == 1 and found[0]["Properties"]["Threshold"] == 0 \
            and found[0]["Properties"]["ComparisonOperator"] == "GreaterThanThreshold" \
            and found[0]["Properties"].get("AlarmActions")
        c.check(ok, f"{dlq_name}: alarm when more than 0 messages are visible, with an action")

    # SNS -> SQS: the queue policy admits only that topic; SNS envelopes.
    policies = of_type("AWS::SQS::QueuePolicy").values()
    for name, sub in of_type("AWS::SNS::Subscription").items():
        props = sub["Properties"]
        if props["Protocol"] != "sqs":
            continue
        queue_name, topic_name = ref(props["Endpoint"]), ref(props["TopicArn"])
        c.check(props.get("RawMessageDelivery") is False, f"{name}: RawMessageDelivery false (SNS envelope)")
        statements = [
            s for p in policies if queue_name in [ref(q) for q in p["Properties"]["Queues"]]
            for s in p["Properties"]["PolicyDocument"]["Statement"]
        ]
        ok = bool(statements) and all(
            s["Effect"] == "Allow"
            and s.get("Principal") == {"Service": "sns.amazonaws.com"}
            and ref(s.get("Condition", {}).get("ArnEquals", {}).get("aws:SourceArn")) == topic_name
            for s in statements
        )
        c.check(ok, f"{name}: {queue_name}'s policy admits only {topic_name}")

    # The table, against the store's key module.
    table = of_type("AWS::DynamoDB::Table")
    c.check(len(table) == 1, "one DynamoDB table")
    (props,) = [t["Properties"] for t in table.values()]
    c.check(props.get("BillingMode") == "PAY_PER_REQUEST", "table: on-demand")
    c.check(props.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled") is True,
            "table: point-in-time recovery")
    c.check(props.get("TimeToLiveSpecification") == {"AttributeName": "expires_at", "Enabled": True},
            "table: TTL on expires_at")
    keys = {k["KeyType"]: k["AttributeName"] for k in props["KeySchema"]}
    indexes = {
        i["IndexName"]: {k["KeyType"]: k["AttributeName"] for k in i["KeySchema"]}
        for i in props.get("GlobalSecondaryIndexes", [])
    }
    if keys_rs and keys_rs.is_file():
        consts = dict(re.findall(r'pub const (\w+): &str = "([^"]*)";', keys_rs.read_text(encoding="utf-8")))
        if {"PK", "SK", "GSI1", "GSI1PK", "GSI1SK"} <= set(consts):
            c.check(keys == {"HASH": consts["PK"], "RANGE": consts["SK"]},
                    f"table: keys {consts['PK']}/{consts['SK']} as in {keys_rs.name}")
            c.check(indexes == {consts["GSI1"]: {"HASH": consts["GSI1PK"], "RANGE": consts["GSI1SK"]}},
                    f"table: index {consts['GSI1']} ({consts['GSI1PK']}/{consts['GSI1SK']}) as in {keys_rs.name}")
        else:
            c.check(False, f"table: {keys_rs} no longer defines PK, SK, GSI1, GSI1PK, GSI1SK; update this check")
    else:
        print(f"skip table keys against the store's key module ({keys_rs} not found)")

    # Outputs.
    missing = sorted(OUTPUTS - set(template.get("Outputs", {})))
    c.check(not missing, "outputs: API URL, inbound address, table, queue URLs, DLQ names"
            + (f" (missing {missing})" if missing else ""))

    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
