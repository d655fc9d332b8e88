"""The in-process harness shared by the functional tests and `bench/`: the real app on moto's mock.

One module per job: `environment` (the variables a function is given), `aws` (moto, the
provisioned stack, signed-in users), `http` (calling the app), `factories` (test data and
set-up through the API), `stored` (stored state read and written with plain boto3),
`gateways` (signed payment callbacks), `images` (real uploads) and `counter` (the AWS
requests the app makes). Nothing here imports `tests/`, and no row class is used: set-up
goes through the API or writes what the app itself would store.
"""
