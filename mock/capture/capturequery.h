// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>

namespace Mock {

// A filter over captures, the parsed form of the inspector's filter language
// (`stage:rcpt from:*@example.org -action:reject has:attachment free text`). Terms are ANDed;
// a negated term excludes what it matches.
struct CaptureTerm
{
    enum class Field {
        Text, // free text: subject, addresses, path, rule, client ip, stage name
        Stage, // exact stage name
        From, // envelope sender glob (* and ?)
        To, // any recipient glob
        Action, // action or verdict name ("held", "tempfail" included)
        Status, // HTTP status: "404", or a class "4xx" (the same as Http)
        Has, // attachment | problem | error | message | fault
        Dialect, // stalwart | draft-01 | draft-02
        Session, // session key
        Rule, // rule name
        Client, // client ip glob
        Kind, // hook | discovery | registration | status | deregistration | other
        Smtp, // the SMTP reply code the answer leads to: "550", or a class "5xx"
        Http // HTTP status, spelled out: "503", or a class "5xx"
    };
    Field field = Field::Text;
    QString value;
    bool negated = false;

    friend bool operator==(const CaptureTerm &, const CaptureTerm &) = default;
};

struct CaptureQuery
{
    QList<CaptureTerm> terms;
    bool isEmpty() const { return terms.isEmpty(); }
    friend bool operator==(const CaptureQuery &, const CaptureQuery &) = default;
};

} // namespace Mock
