"""DynamoDB access: pynamodb models, repositories and transactions. The only package that talks to DynamoDB."""
