"""The deploy rehearsal: deploys a synthesized environment into moto with the CDK CLI and verifies it."""
