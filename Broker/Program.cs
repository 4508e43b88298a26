// Placeholder: replaced by the project's real entry point.
return 0;
