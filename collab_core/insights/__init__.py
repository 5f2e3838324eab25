"""What the project memory extracts and watches: commitments, decisions, board-sync proposals, risks, assignment."""
