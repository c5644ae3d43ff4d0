#pragma once

// Turns what a matching rule measured into data (Measurement) and a sentence
// for people. Only reasons that are reported pay for this text.

#include <string>

#include "policies/conditions.h"
#include "signoff/v1/decision.pb.h"

namespace signoff::policies::internal {

// "Offer margin -3.20 % is below 0.00 %".
std::string FactSentence(const Fact& fact, const EvalInput& in);
// The same appended to `out`: reasons are built without temporaries.
void AppendFactSentence(const Fact& fact, const EvalInput& in, std::string* out);

void FillMeasurement(const Fact& fact, const EvalInput& in, v1::Measurement* out);

// "1500000.00 RUB", "12.50 %", "12 days" — how the sentences show a value.
std::string FormatValue(Decimal value, Unit unit, const OfferFigures& figures);
void AppendValue(Decimal value, Unit unit, const OfferFigures& figures, std::string* out);

const char* ComparisonSymbol(Comparison c);

}  // namespace signoff::policies::internal
