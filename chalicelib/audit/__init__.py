"""The audit log: who decided what (ops decisions), recorded with each decision and listed for ops."""
