"""AWS persistence: DynamoDB (pynamodb models, repositories, transactions) and the SSM parameters that hold secrets."""
