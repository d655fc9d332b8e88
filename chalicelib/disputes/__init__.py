"""Card disputes (chargebacks): holding and releasing the artisans' credit for a disputed order."""
