"""The common package of SviftDesk: contracts, settings, the event bus, outbox and inbox."""
