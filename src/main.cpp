// Placeholder until the service wiring lands.
int main() { return 1; }
