// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ui/widgets/exchangeanalysis.h"

#include <QWidget>

class HeadersModel;
class QLabel;
class QPushButton;
class QTableView;
class ResponseEditor;

// The Request tab: the body as pretty JSON (CBOR and MessagePack decoded, with a note), the
// problems marked at their pointers, the HTTP headers, and "Copy as curl".
class RequestPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RequestPage)

public:
    explicit RequestPage(QWidget *parent = nullptr);
    ~RequestPage() override;

    void showAnalysis(const ExchangeAnalysis &analysis);
    void clear();
    void setBaseUrl(const QString &baseUrl) { m_baseUrl = baseUrl; }
    // Selects the value at the pointer, or its closest existing ancestor when it is absent.
    bool jumpTo(const QString &pointer);

    ResponseEditor *editor() const { return m_editor; }
    QTableView *headersView() const { return m_headersView; }
    QPushButton *copyCurlButton() const { return m_copyCurl; }
    QString summary() const;

private:
    ResponseEditor *m_editor;
    HeadersModel *m_headers;
    QTableView *m_headersView;
    QLabel *m_summary;
    QPushButton *m_copyCurl;
    Mock::Exchange m_exchange;
    QString m_baseUrl;
};
