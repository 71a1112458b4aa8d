"""What the programme's reports count, written without identity (see UsageEvent)."""
