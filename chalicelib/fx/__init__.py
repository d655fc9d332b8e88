"""Exchange rates from PKR, set by ops."""
