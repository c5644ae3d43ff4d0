#!/usr/bin/python3
"""A front-office system and an approver written in Python against signoffd.

Proves the API is usable from outside C++ with Debian's python3-grpcio and
stubs generated from proto/signoff/v1 (the build puts them in --stubs).
Run by python_client_e2e_test, which starts signoffd; exits non-zero with a
message on the first thing that is not as the API documents.

  python_client.py --address 127.0.0.1:PORT --stubs BUILD/tests/python_stubs
"""

import argparse
import sys


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    parser.add_argument("--stubs", required=True)
    args = parser.parse_args()
    sys.path.insert(0, args.stubs)

    import grpc
    from signoff.v1 import approval_pb2, decision_pb2, offer_pb2, service_pb2, service_pb2_grpc

    channel = grpc.insecure_channel(args.address)
    grpc.channel_ready_future(channel).result(timeout=10)
    offers = service_pb2_grpc.OfferServiceStub(channel)
    approvals = service_pb2_grpc.ApprovalServiceStub(channel)

    def auth(token):
        return [("authorization", "Bearer " + token)]

    def offer(offer_id, manager, quantity):
        o = offer_pb2.Offer(offer_id=offer_id, revision=1, manager_id=manager, currency_code="RUB")
        o.customer.id = "crm-100200"
        o.customer.name = "OOO Stroymontazh"
        line = o.lines.add(sku="PIPE-ST-57x3.5", name="Steel pipe 57x3.5", category="pipes",
                           unit_of_measure="m")
        line.quantity.value = quantity
        line.unit_price.currency_code = "RUB"
        line.unit_price.units = 1000
        line.unit_cost.currency_code = "RUB"
        line.unit_cost.units = 800
        return o

    # A small offer to an existing customer passes at once.
    reply = offers.SubmitOffer(service_pb2.SubmitOfferRequest(
        offer=offer("KP-PY-1", "m.ivanova", "10"), idempotency_key="py-1"),
        metadata=auth("demo-crm"), timeout=10)
    record = reply.record
    check(record.status == approval_pb2.OFFER_STATUS_APPROVED, f"KP-PY-1: {record.status}")
    check(record.decision.outcome == decision_pb2.OUTCOME_APPROVED, "KP-PY-1 outcome")
    check(record.decision.figures.total.units == 10000, f"total {record.decision.figures.total}")
    check(record.submitted_by == "crm", record.submitted_by)

    # A manager on probation: pending for her team lead, with the reason.
    reply = offers.SubmitOffer(service_pb2.SubmitOfferRequest(
        offer=offer("KP-PY-2", "e.novikova", "200")), metadata=auth("demo-crm"), timeout=10)
    record = reply.record
    check(record.decision.outcome == decision_pb2.OUTCOME_NEEDS_SIGNOFF, "KP-PY-2 outcome")
    check(list(record.decision.required_levels) == ["team_lead"], str(record.decision.required_levels))
    check([r.rule_id for r in record.decision.reasons][0] == "manager.probation", "KP-PY-2 reason")

    # The team lead approves; the front office reads the decision.
    inbox = approvals.ListInbox(service_pb2.ListInboxRequest(), metadata=auth("demo-smirnova"), timeout=10)
    check([i.offer_id for i in inbox.items] == ["KP-PY-2"], str(inbox))
    approvals.Approve(service_pb2.ApproveRequest(offer_id="KP-PY-2", comment="ok from python"),
                      metadata=auth("demo-smirnova"), timeout=10)
    got = offers.GetDecision(service_pb2.GetDecisionRequest(offer_id="KP-PY-2"),
                             metadata=auth("demo-crm"), timeout=10)
    check(got.record.status == approval_pb2.OFFER_STATUS_APPROVED, f"KP-PY-2: {got.record.status}")

    # The stream replays what happened to KP-PY-2, in order.
    stream = offers.WatchDecisions(service_pb2.WatchDecisionsRequest(offer_ids=["KP-PY-2"]),
                                   metadata=auth("demo-crm"), timeout=10)
    kinds = []
    for update in stream:
        kinds.append(update.event.kind)
        if update.event.kind == "offer.approved":
            stream.cancel()
            break
    check(kinds == ["offer.submitted", "offer.routed", "stage.approved", "stage.completed",
                    "offer.approved"], str(kinds))

    # Errors are gRPC status codes with the field named.
    try:
        offers.SubmitOffer(service_pb2.SubmitOfferRequest(offer=offer("KP-PY-3", "m.ivanova", "0")),
                           metadata=auth("demo-crm"), timeout=10)
        check(False, "zero quantity accepted")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.INVALID_ARGUMENT, str(e.code()))
        check("quantity" in e.details(), e.details())
    try:
        offers.GetDecision(service_pb2.GetDecisionRequest(offer_id="KP-PY-1"), timeout=10)
        check(False, "no credentials accepted")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.UNAUTHENTICATED, str(e.code()))

    print("python client: submitted, decided, approved, watched and refused as documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
