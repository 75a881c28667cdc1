package main

// 日本語のコメント：トークン HRKU-AA2LSz_-VbfqJ6ZmNzotr3yPOr7ZAEUedY1Qf8dz9jVQCm8vz8g7ESoezev8
const aws = "AKIAFZ4HVPMQLMPY3L5Y"
const awsSecretAccessKey = "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"

var key = "AIza7Ndr8mVxJGJYhZxXi7vf1XlLRjegTSU0kqy"
